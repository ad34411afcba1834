"""Tables for inspectors' reports (统计表): figures computed from the store, ready to export."""
