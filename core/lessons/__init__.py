"""Interactive workshop lessons: the computations and figures behind the Learn pages."""
