"""Real-client casework (the support needs and strengths profile) and its training mode.

Real-client records are organisation data: every free-text field and rating is sealed with AES-GCM
under a per-organisation data key (``crypto.py``), visible only through a tool-side role
(``roles.py``), and nothing about them is ever sent to the LMS. Training on fictional cases lives in
its own ``training_*`` tables and is the only part that reports a grade.
"""
