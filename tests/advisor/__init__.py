"""Tests of the pricing advisor: pure warnings on engine data, then the pages and reads over the database."""
