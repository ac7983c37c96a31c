
BoutputJ(ÔĞ]ÄÛ„ÆÃ²2D¡ 	DT‹ÕÃ4HGEzMÃŸ®ªD;teE·İÚD