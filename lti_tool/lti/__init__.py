"""LTI 1.3 core: registration, login, launch, keys and the tool session."""
