"""The reference data the catalogue loads (provinces, positions, ethnicities, aliases, the starter
catalogue), as JSON files beside this module, and the scripts that rebuild them."""

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent
