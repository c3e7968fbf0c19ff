"""Statistics and the annual report (sections 三 and 四)."""
