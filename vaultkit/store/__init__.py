"""What vaultkit keeps between runs, outside the vault: the cache of notes and the answers to questions."""
