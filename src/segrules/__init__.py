"""segrules: customer segmentation rules, compiled to Python and SQL."""
