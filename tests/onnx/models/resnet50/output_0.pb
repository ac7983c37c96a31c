
BoutputJ(ÎĞ]ÄË„ÆÃ)²2D¥ 	DR‹ÕÃ/HGE›MÃ›®ªD9teE±İÚD