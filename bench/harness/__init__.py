"""What the benchmarks share around their measurements: the databases and the dataset, gunicorn and
the Celery worker, memory and load measurement, the fixtures of a run, the tables and the JSON they
print and write. Each figure is measured in a module of bench/items/."""
