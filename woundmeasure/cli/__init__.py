"""The ``woundmeasure`` command line (thin: parse, call the pipeline, print)."""
