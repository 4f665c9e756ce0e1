"""IATI codelists: validation of codes and their labels in Italian and English."""
