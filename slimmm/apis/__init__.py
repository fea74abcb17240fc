from .config import load_config, load_run_config

__all__ = ['load_config', 'load_run_config']
