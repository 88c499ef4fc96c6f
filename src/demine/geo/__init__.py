"""Geometry helpers: geodesic area, validity, reprojection, GeoPackage geometry encoding."""
