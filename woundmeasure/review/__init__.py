"""``woundmeasure review``: a local web page to look at every outline of a series and correct it with a few clicks."""
