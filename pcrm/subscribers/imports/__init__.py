"""Importing subscribers from CSV and XLSX files: read, map, check, import, report."""
