"""Writes for learners, enrolment and attendance, one module per concern."""
