"""Reports: a campaign's funnel, rates, waves, links, timing and groups; the same figures side by
side for a project, a department and the district (set-based SQL, charts as SVG)."""
