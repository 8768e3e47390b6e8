"""Workshop lessons: the computations and figures behind the pages of the Learn section."""
