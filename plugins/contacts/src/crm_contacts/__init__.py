"""Companies, people and their affiliations, on the resource kit."""
