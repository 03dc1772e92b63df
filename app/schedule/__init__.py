"""The programme: the exhibition, its days and venues, sessions, films and the jury."""
