"""Loan terms of a project and the grant element (concessionality) that follows from them."""
