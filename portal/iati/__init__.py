"""IATI activity XML: import (upload, preview, confirm; or the command line) and export."""
