# Learners, enrolments and attendance arrive with the classes issue.
