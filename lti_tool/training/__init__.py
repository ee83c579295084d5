"""Training in the LMS: deep-linking picker, launch routing, module player, quizzes, manual reader, trainer dashboard.

Everything here reads content through the content library and sends results through the grade outbox;
it never talks to the LMS directly except for the Names and Roles roster (``roster.py``) and the signed
Deep Linking response (``deeplink.py``).
"""
