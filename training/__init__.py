"""Trainers and evaluation of the shipped models (`newsbeam train`, `newsbeam eval`); the
runtime never imports this package."""
