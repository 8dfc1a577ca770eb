"""Citizens' personal data: pseudonyms (keyed hashes) of phone numbers."""
