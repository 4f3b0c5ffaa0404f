"""Working days: the statutory holiday and 调休 calendar, without Django."""
