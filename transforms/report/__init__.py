"""`newsbeam report`: what a folder of output holds, as one HTML page or a few lines of text.
aggregate (tallies fed one record at a time), read (an output folder into a Report), html and
charts (the page), text (the lines)."""
