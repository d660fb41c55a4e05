"""aiev.agents"""
