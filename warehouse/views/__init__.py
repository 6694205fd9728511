"""The warehouse floor's phone pages (mounted at ``/floor/``): login, my tasks, pick, sort, pack,
weigh and ship. Views parse input, check the picker's warehouse, and call one service each."""
