"""Intake: normalised orders from every channel and file upserted into the store, reserved or held."""
