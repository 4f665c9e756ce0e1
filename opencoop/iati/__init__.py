"""IATI 2.03: activity and organisation files, the rules the schema cannot check, the schemas."""
