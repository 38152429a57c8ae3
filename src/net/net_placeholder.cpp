namespace intact {}
