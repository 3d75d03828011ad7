@echo off
rem servin GUI launcher, installed by the servin setup program.
rem Runs the servin GUI (servin-gui.pyz, a Python zip application) with
rem Python 3, pointing it at the remote API configuration beside it.
setlocal
set "SERVIN_REMOTE_CONFIG=%~dp0servin-remote.ini"
if not exist "%~dp0servin-gui.pyz" (
	echo The servin GUI is not part of this installation.
	echo It holds the remote API client configuration: %SERVIN_REMOTE_CONFIG%
	pause
	exit /b 1
)
where pyw >nul 2>nul
if not errorlevel 1 (
	start "" pyw -3 "%~dp0servin-gui.pyz" %*
	exit /b 0
)
where pythonw >nul 2>nul
if not errorlevel 1 (
	start "" pythonw "%~dp0servin-gui.pyz" %*
	exit /b 0
)
echo The servin GUI needs Python 3 (python.org or the Microsoft Store).
pause
exit /b 1
