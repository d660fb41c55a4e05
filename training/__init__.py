"""aiev.training"""
