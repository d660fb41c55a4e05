"""aiev.sandbox"""
