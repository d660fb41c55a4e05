"""Configuration files shipped with aiev (models, stage presets, DeepSpeed recipes); data only."""
