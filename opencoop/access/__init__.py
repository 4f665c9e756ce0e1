"""The access policy: who may see, see a field of, change or publish which object."""
