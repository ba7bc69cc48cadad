"""Widgets of the dashboard: tables that keep their place, the log pane, the bars."""
