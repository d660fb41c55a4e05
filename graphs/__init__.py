"""aiev.graphs"""
