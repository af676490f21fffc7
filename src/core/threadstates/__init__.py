"""Where each fetching thread's time goes, sampled from Linux's /proc."""
