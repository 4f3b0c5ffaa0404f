"""Coordination above the rooms: jobs that touch work/ and supervise/ together (`duban tick`).

Layering (DESIGN.md): org → work → supervise/documents → coordination → web/cli.
"""
