"""The review desk: `hkam review --web`, press-release candidates reviewed in a browser."""
