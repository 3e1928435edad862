"""Running a rule base: compile it into a program, and the matchers that evaluate one."""
