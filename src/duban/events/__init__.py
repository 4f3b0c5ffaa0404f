"""重大活动 (issue 19): major events — plan, coordination on the day, follow-up."""
