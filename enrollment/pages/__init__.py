"""The learners' portal: server-rendered pages on the enrollment app's services and selectors."""
