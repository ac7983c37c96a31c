
BoutputJ(>O4Ä1wÄø’/E1K/D&¼Ä¨–EzÄ×IZDnèSE!+E