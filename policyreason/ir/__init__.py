"""The intermediate representation: frozen pydantic models, the contract between all stages."""
