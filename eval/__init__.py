"""aiev.eval"""
