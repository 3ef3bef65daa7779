"""Spreadsheet round trips of projects (XLSX), and the CSV/XLSX downloads of the portal's lists."""
