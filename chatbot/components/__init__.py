"""Custom NLU components of the 142 bot (loaded by Rasa with cwd=chatbot/).

``keywords`` is stdlib-only and shared with the action server; ``normalize``
and ``guard`` import Rasa and are only loaded by the Rasa server.
"""
