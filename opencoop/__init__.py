"""OpenCoop: portal and back office for decentralized development cooperation."""
