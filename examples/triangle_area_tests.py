assert abs(triangle_area(5, 3) - 7.5) < 1e-6, "triangle_area(5, 3)"
