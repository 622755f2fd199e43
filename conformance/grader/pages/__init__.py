"""The class page, each student's page and the job summary, from the reports alone."""
